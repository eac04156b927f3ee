export { RepositoryFactory } from "./repository-factory";
