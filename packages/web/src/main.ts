// The web app's entry: page tabs, then each page sets itself up.
import { initEvaluatePage } from "./evaluate-page.js";
import { initSegmentPage } from "./segment-page.js";

for (const button of document.querySelectorAll<HTMLButtonElement>("nav button")) {
  button.addEventListener("click", () => {
    for (const other of document.querySelectorAll<HTMLButtonElement>("nav button")) other.classList.toggle("active", other === button);
    for (const page of document.querySelectorAll<HTMLElement>(".page")) page.hidden = page.id !== `page-${button.dataset.page}`;
  });
}
initEvaluatePage();
void initSegmentPage();
