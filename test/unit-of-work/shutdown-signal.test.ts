import { ShutdownSignal } from "../../src/unit-of-work/shutdown-signal";

// The list behind uw.close({ timeoutMs }): every running unit listens for all of its life.
test("abort calls every listener still listening, once, in any order of stopping", () => {
  const signal = new ShutdownSignal();
  const called: string[] = [];
  const listen = (name: string) => signal.listen(() => called.push(name));
  const a = listen("a");
  const b = listen("b");
  const c = listen("c");
  const d = listen("d");
  b.stop(); // a middle node
  d.stop(); // the head
  b.stop(); // again: nothing
  signal.abort(new Error("closing"));
  signal.abort(new Error("again"));
  expect(called.sort()).toEqual(["a", "c"]);
  expect(signal.aborted).toBe(true);
  expect((signal.reason as Error).message).toBe("closing");
  a.stop(); // after the signal fired: nothing
  c.stop();
  expect(called.sort()).toEqual(["a", "c"]);
});

test("a listener added after the signal fired is never called, and stopping it is harmless", () => {
  const signal = new ShutdownSignal();
  signal.abort("done");
  let calls = 0;
  const late = signal.listen(() => calls++);
  late.stop();
  expect(calls).toBe(0);
});

test("the last listener stopped leaves nothing to call", () => {
  const signal = new ShutdownSignal();
  let calls = 0;
  signal.listen(() => calls++).stop();
  signal.abort("x");
  expect(calls).toBe(0);
});
