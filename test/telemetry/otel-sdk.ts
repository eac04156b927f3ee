import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram, type MetricData } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A metric reader the test asks for the current values (cumulative). */
class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A real OpenTelemetry SDK registered globally, with in-memory exporters, as an application would register one. */
export interface TestSdk {
  spans(): ReadableSpan[];
  reset(): void;
  /** Reads the metrics now (what `metric` and `points` answer from). */
  collect(): Promise<void>;
  metric(name: string): MetricData | undefined;
  /** Data points of `name` whose attributes include `attributes`. */
  points(name: string, attributes?: Record<string, unknown>): DataPoint<number | Histogram>[];
  shutdown(): Promise<void>;
}

export function registerTestSdk(): TestSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  let collected: MetricData[] = [];
  const sdk: TestSdk = {
    spans: () => exporter.getFinishedSpans(),
    async collect() {
      const { resourceMetrics } = await reader.collect();
      collected = resourceMetrics.scopeMetrics.filter((s) => s.scope.name === "unitwork").flatMap((s) => s.metrics);
    },
    reset: () => exporter.reset(),
    metric: (name) => collected.find((m) => m.descriptor.name === name),
    points: (name, attributes = {}) =>
      (sdk.metric(name)?.dataPoints ?? []).filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)) as DataPoint<number | Histogram>[],
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
  return sdk;
}

/** Every string in a span's name, attributes, status and events (to prove a value is in none). */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, status: span.status, events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })) });
}
