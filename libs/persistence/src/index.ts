export * from './entities';
export * from './data-source';
export * from './database-bootstrap';
export { prepareStatements } from './prepared-statements';
export * from './repositories';
