export { SetBasedBulkEngine } from "./set-based-bulk-engine";
