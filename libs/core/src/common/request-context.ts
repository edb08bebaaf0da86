/**
 * A correlation id: an HTTP request's X-Request-Id in the API, the job's inherited id in the
 * worker. Handed to Transactor.run with the work (persistence's WorkContext), it follows the work
 * into the outbox rows it writes, so a vote's request id reaches the tally, the decision and the
 * webhook deliveries it causes. This is the shape a job's data may carry.
 */
export const CORRELATION_ID_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;
