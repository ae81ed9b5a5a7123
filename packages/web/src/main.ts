// The web app's entry: page tabs, then each page sets itself up.
import { initEvaluatePage } from "./evaluate-page.js";
import { initSamPage } from "./sam-page.js";
import { initSegmentPage } from "./segment-page.js";
import { showTrainingPage } from "./training-page.js";

function open(name: string): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("nav button")) button.classList.toggle("active", button.dataset.page === name);
  for (const page of document.querySelectorAll<HTMLElement>(".page")) page.hidden = page.id !== `page-${name}`;
  if (name === "training") showTrainingPage();
}

for (const button of document.querySelectorAll<HTMLButtonElement>("nav button")) button.addEventListener("click", () => open(button.dataset.page!));
// `segkit train --serve` links to #training
if (location.hash === "#training") open("training");
initEvaluatePage();
void initSegmentPage().then(initSamPage).catch((e: Error) => (document.getElementById("sam-state")!.textContent = `SAM: cannot list the models: ${e.message}`));
