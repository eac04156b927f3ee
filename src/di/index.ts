export { registerUnitwork } from "./register-unitwork";
export { InjectRepository } from "./inject-repository";
export { RequestContext } from "./request-context";
export { applicationContainer, createRequestContainer } from "./request-container";
