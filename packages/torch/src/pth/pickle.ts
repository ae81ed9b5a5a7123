// A pickle virtual machine for the opcodes torch.save emits (protocol 2, plus the few protocol 3-5
// opcodes other writers use). It never runs Python: globals are resolved through `findClass`, which
// decides what each one becomes, and persistent ids (tensor storages) through `persistentLoad`.

/** What a pickled global resolves to: something REDUCE/NEWOBJ can call, optionally with BUILD state. */
export interface PickleCallable {
  readonly qualifiedName: string;
  call(args: unknown[]): unknown;
}

/** An object BUILD can give state to (instances created from placeholders). */
export interface PickleStateful {
  setState(state: unknown): void;
}

export interface PickleHooks {
  findClass(module: string, name: string): PickleCallable;
  persistentLoad(pid: unknown): unknown;
}

function isCallable(value: unknown): value is PickleCallable {
  return typeof value === "object" && value !== null && "call" in value && "qualifiedName" in value;
}

function isStateful(value: unknown): value is PickleStateful {
  return typeof value === "object" && value !== null && "setState" in value;
}

/**
 * Runs one pickle starting at `start`; returns the unpickled value and the offset after STOP.
 * `source` names the file (and entry) in errors.
 */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, source: string, start = 0): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let at = start;
  const fail = (msg: string): never => {
    throw new Error(`${source}: pickle ${msg} (at byte ${at})`);
  };
  const need = (n: number): number => {
    if (at + n > bytes.length) fail("ends early (truncated?)");
    const here = at;
    at += n;
    return here;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const text = (n: number): string => decoder.decode(bytes.subarray(need(n), at));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail("ends early inside a text line (truncated?)");
    const s = decoder.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail("pops an empty stack (malformed)");
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail("reads an empty stack (malformed)");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    stack = marks.pop() ?? fail("has no MARK to pop to (malformed)");
    return items;
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail("sets items on something that is not a dict");
    const map = dict as Map<unknown, unknown>;
    for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list)) fail("appends to something that is not a list");
    (list as unknown[]).push(...items);
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (!isCallable(callable)) fail("calls something that is not a resolved global");
    if (!Array.isArray(args)) fail("calls a global with arguments that are not a tuple");
    return (callable as PickleCallable).call(args as unknown[]);
  };
  const signedLong = (n: number): bigint | number => {
    const raw = bytes.subarray(need(n), at);
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (n > 0 && raw[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("uses a protocol above 5");
        break;
      case 0x95: // FRAME (protocol 4): a length we do not need
        need(8);
        break;
      case 0x2e: // STOP
        return { value: pop(), end: at };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(signedLong(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(signedLong(u32()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(text(u32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(text(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes.slice(need(u32()), at));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes.slice(need(u8()), at));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: { // TUPLE (popMark swaps `stack`, so pop before reading it)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const dict = new Map();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: { // BINGET
        const key = u8();
        stack.push(memo.has(key) ? memo.get(key) : fail(`reads memo ${key}, which was never stored`));
        break;
      }
      case 0x6a: { // LONG_BINGET
        const key = u32();
        stack.push(memo.has(key) ? memo.get(key) : fail(`reads memo ${key}, which was never stored`));
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL without string names");
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        // OrderedDict state dicts carry a `_metadata` attribute (module versions) that tensors do not need.
        if (isStateful(target)) target.setState(state);
        else if (!(target instanceof Map)) fail("BUILD on an object that takes no state");
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, "0")} is not supported`);
    }
  }
}
