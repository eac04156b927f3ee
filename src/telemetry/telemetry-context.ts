import type { Context, Span } from "@opentelemetry/api";

// Telemetry's part of the one execution context of a unitwork instance (declared in the unit-of-work
// layer below, which must not import this one).
declare module "../unit-of-work/execution-context" {
  interface ExecutionContext {
    /** The span of the unit of work this call chain runs in: its statements' parent without an OpenTelemetry context manager. */
    readonly unitSpan?: Span;
    /** The root OpenTelemetry context with `unitSpan` set, made once per unit (when the unit started at the root context). */
    readonly unitTrace?: Context;
  }
}

export {};
