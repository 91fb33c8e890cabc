// A page with nothing of its own to run (such as "this page is for admins"): the shared header.

import { startPage } from "./chrome.js";

startPage();
