// The authors' SegNeXt checkpoints (github:Visual-Attention-Network/SegNeXt, on MMSegmentation 0.24)
// under mmsegmentation's names, which segkit's MSCAN and SegNeXt use: the only difference is the MLP's
// depthwise conv, wrapped in a DWConv module there ("mlp.dwconv.dwconv"). Other keys pass unchanged.
import { renaming, type StateMap } from "@segkit/torch";
import { register } from "../../../config/registry.js";
import { rules } from "../../key-maps/key-map.js";

register<StateMap>("keymap", "segnext_official", {
  options: [],
  summary: "the SegNeXt authors' checkpoints (mscan_*.pth, segnext.*.pth) → mscan_* / segnext_mscan_* (mmsegmentation's names)",
  build: () => renaming(rules([/\.mlp\.dwconv\.dwconv\./, ".mlp.dwconv."])),
});
