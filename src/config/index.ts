export * from "./data-source-options-from-env";
export * from "./logger";
export { refuseUnknownOptions } from "./known-options";
