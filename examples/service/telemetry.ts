import type { IncomingMessage, ServerResponse } from "node:http";
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";

/** What the example service registers with OpenTelemetry, and how to serve and stop it. */
export interface ServiceTelemetry {
  /** `GET /metrics` in the Prometheus text format. */
  metrics(req: IncomingMessage, res: ServerResponse): void;
  /** Exports the spans still queued. */
  flush(): Promise<void>;
  /** Flushes the spans still queued and unregisters the providers. */
  shutdown(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK for the example service, as an application does once at start-up,
 * before `createUnitwork`: unitwork itself only talks to `@opentelemetry/api`.
 * - metrics: a MeterProvider read by the Prometheus exporter, served by the app's `GET /metrics`;
 * - traces (when `spanExporter` is given, e.g. `new OTLPTraceExporter()` from
 *   `@opentelemetry/exporter-trace-otlp-http` for Jaeger or any OTLP backend): a tracer provider with
 *   a batch processor, and the async-hooks context manager so that spans nest across `await`.
 */
export function startServiceTelemetry(options: { spanExporter?: SpanExporter } = {}): ServiceTelemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [prometheus] });
  metrics.setGlobalMeterProvider(meterProvider);
  let tracerProvider: BasicTracerProvider | undefined;
  if (options.spanExporter) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(options.spanExporter)] });
    trace.setGlobalTracerProvider(tracerProvider);
  }
  return {
    metrics: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    flush: async () => tracerProvider?.forceFlush(),
    async shutdown() {
      await tracerProvider?.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}
