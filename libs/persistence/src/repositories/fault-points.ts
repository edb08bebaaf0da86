/**
 * Named places where a fault test may kill the process, to prove what a crash there leaves
 * behind. Inert unless LABGATE_FAULT_POINTS names the point (never set in production): the
 * process then dies at once by SIGKILL, as a crash or an OOM kill would.
 */
export function faultPoint(name: string): void {
  const points = process.env.LABGATE_FAULT_POINTS;
  if (points && points.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}
