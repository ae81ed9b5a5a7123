// Registers every training hook.
import "./ema-hook.js";
import "./self-correction-hook.js";
import "./logger-hook.js";
import "./checkpoint-hook.js";
import "./plots-hook.js";
