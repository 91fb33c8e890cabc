// What every signed-in page shares: who is signed in, admin links for admins only, sign out.

import { api } from "./api.js";

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
