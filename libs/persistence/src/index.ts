export * from './entities';
export * from './data-source';
export * from './database-bootstrap';
export * from './repositories';
