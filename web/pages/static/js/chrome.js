// What every signed-in page shares: who is signed in, admin links for admins only, sign out,
// and the menu that folds behind its button on a phone.

import { api } from "./api.js";

// On a phone the menu opens over the page's top and closes again with Escape or a link;
// on a wider screen the button is not shown and the menu is always there (CSS decides).
function wireMenu() {
  const header = document.querySelector("header.top");
  const toggle = document.querySelector("[data-menu-toggle]");
  if (!header || !toggle) return;
  const setOpen = (open) => {
    header.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setOpen(!header.classList.contains("menu-open")));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

wireMenu();

export async function startPage() {
  const me = await api("GET", "/api/auth/me");
  const name = document.querySelector("[data-user-name]");
  if (name) name.textContent = `${me.display_name || me.username} (${me.role})`;
  if (me.role === "admin") {
    for (const link of document.querySelectorAll("[data-admin-only]")) link.hidden = false;
  }
  const signOut = document.querySelector("[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      try {
        await api("POST", "/api/auth/logout", { signInOn401: false });
      } finally {
        window.location.assign("/sign-in");
      }
    });
  }
  return me;
}
