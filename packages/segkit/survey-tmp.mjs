import * as torch from "@segkit/torch";
import * as ort from "onnxruntime-node";
import { build, registered } from "./dist/src/config/registry.js";
import "./dist/src/models/index.js";
torch.setNumThreads(1);
const names = process.argv.length > 2 ? process.argv.slice(2) : registered("model").filter((n) => n !== "encoder_decoder");
for (const name of names) {
  try {
    const model = build("model", { type: name, numClasses: 3 }).eval();
    const x = torch.randn([1, 3, 64, 64]);
    const r = torch.recordForward(model, [x]);
    const missing = torch.untranslatable(r);
    if (missing.size) { console.log(name, "MISSING", [...missing.keys()].join(" ")); continue; }
    const session = await ort.InferenceSession.create(torch.toOnnx(r));
    const res = await session.run({ input0: new ort.Tensor("float32", x.toTypedArray(), x.shape) });
    const got = res.output0.data;
    const expected = torch.noGrad(() => model.call(x)).toTypedArray();
    let d = 0, m = 0; for (let i = 0; i < got.length; i++) { d = Math.max(d, Math.abs(got[i] - expected[i])); m = Math.max(m, Math.abs(expected[i])); }
    console.log(name, "rel", d / m);
  } catch (e) { console.log(name, "ERROR", e.message.slice(0, 300)); }
}
