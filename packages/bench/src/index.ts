export { median } from "./median.js";
export { alternate, type Alternated, type Side } from "./alternate.js";
export { checkClose } from "./check.js";
export { machine, mappedLibraries, peerEnv, peerRuntime, PYTHON, type Machine, type PeerRuntime } from "./machine.js";
export { report } from "./report.js";
export { startLinePeer, type LinePeer } from "./line-peer.js";
export { PEER, runPeer } from "./peer.js";
