export * from "./filter";
