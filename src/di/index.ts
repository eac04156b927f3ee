export { registerUnitwork } from "./register-unitwork";
export { InjectRepository } from "./inject-repository";
