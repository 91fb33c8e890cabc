import { startPage } from "./chrome.js";

startPage();
