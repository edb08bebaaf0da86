import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerReader, highest, openLoopApart } from '../bench/load';

/**
 * The bench's open-loop generator (test/bench/load.ts), which reads answers from its own buffer
 * and runs in a process of its own: every answer counted once, with its status, whether it
 * arrives whole, in pieces or chunked.
 */
describe('open-loop generator', () => {
  it("finds the highest of a fast loop's latencies, as many as Math.max(...values) overflows the stack on", () => {
    const latencies = Float64Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 100_003);
    latencies[123_456] = 250_000.5;
    expect(() => Math.max(...latencies)).toThrow(RangeError);
    expect(highest(latencies)).toBe(250_000.5);
    expect(highest([-3, -1, -2])).toBe(-1);
    expect(highest([])).toBeNaN();
  });

  describe('AnswerReader', () => {
    const head = (status: number, ...lines: string[]) => Buffer.from(`HTTP/1.1 ${status} X\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    /** What feeding each piece in turn returned, each piece overwritten after its call as the generator's buffer is. */
    const feed = (reader: AnswerReader, ...pieces: Buffer[]) =>
      pieces.map((piece) => {
        const status = reader.feed(piece);
        piece.fill(0x58);
        return status;
      });

    it('waits for Content-Length bytes of body, however the header is spelt', () => {
      for (const name of ['content-length', 'Content-Length', 'CONTENT-LENGTH']) {
        const answer = Buffer.concat([head(200, 'content-type: application/json', `${name}: 12`), Buffer.from('{"a":"bcde"}')]);
        for (let cut = 1; cut < answer.length; cut++) {
          const reader = new AnswerReader();
          expect(feed(reader, Buffer.from(answer.subarray(0, cut)), Buffer.from(answer.subarray(cut)))).toEqual([null, 200]);
        }
        expect(feed(new AnswerReader(), Buffer.from(answer))).toEqual([200]);
      }
    });

    it('reads the length from the head only, not from a body that names one', () => {
      const body = '\r\ncontent-length: 1\r\n';
      const reader = new AnswerReader();
      expect(feed(reader, Buffer.concat([head(201, `Content-Length: ${body.length + 10}`), Buffer.from(body)]), Buffer.alloc(9, 0x20), Buffer.alloc(1, 0x20))).toEqual([
        null,
        null,
        201,
      ]);
    });

    it('waits for the last chunk of a chunked body, wherever the reads cut it', () => {
      const answer = Buffer.concat([head(200, 'transfer-encoding: chunked'), Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')]);
      for (let cut = 1; cut < answer.length; cut++) {
        for (let second = cut + 1; second < answer.length; second++) {
          const statuses = feed(new AnswerReader(), Buffer.from(answer.subarray(0, cut)), Buffer.from(answer.subarray(cut, second)), Buffer.from(answer.subarray(second)));
          expect(statuses).toEqual([null, null, 200]);
        }
      }
    });

    it('takes a head without length or chunks (204, 304) as the whole answer, and reads answers one after another', () => {
      const reader = new AnswerReader();
      expect(feed(reader, head(204, 'x-request-id: a'))).toEqual([204]);
      expect(feed(reader, head(404, 'content-length: 2'), Buffer.from('no'))).toEqual([null, 404]);
      expect(feed(reader, Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n', 'latin1'), Buffer.from('\r\n'))).toEqual([null, 200]);
    });
  });

  describe('openLoopApart', () => {
    let server: Server;
    let url: string;
    let answered = 0;

    beforeAll(async () => {
      // Four kinds of answer in turn: whole, in two writes 5 ms apart, chunked, and a 404.
      server = createServer((req, res) => {
        answered++;
        const kind = Number(req.url!.slice(1)) % 4;
        const body = JSON.stringify({ kind, padding: 'x'.repeat(3000) });
        if (kind === 0) res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        else if (kind === 1) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.write(body.slice(0, 100));
          setTimeout(() => res.end(body.slice(100)), 5);
        } else if (kind === 2) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(body.slice(0, 1000));
          res.end(body.slice(1000));
        } else res.writeHead(404, { 'Content-Length': '2' }).end('no');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends every request on schedule and counts each answer once, with its status', async () => {
      const requests = [0, 1, 2, 3].map((n) => ({ method: 'GET' as const, path: `/${n}`, headers: {} }));
      const result = await openLoopApart({ url, requests, rate: 400, seconds: 1, connections: 8, graceMs: 2000 });

      expect(answered).toBe(400);
      expect(result.responses).toBe(400);
      expect(result.errors).toBe(0);
      expect(result.statusCodes).toEqual({ 200: 300, 404: 100 });
      expect(result.ok).toBe(300);
      // (Jest's realm has its own Float64Array, so the type is checked by name.)
      expect(Object.prototype.toString.call(result.latencies)).toBe('[object Float64Array]');
      expect(result.latencies.length).toBe(400);
      expect(Array.from(result.latencies).every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
      // The answers written in two parts, 5 ms apart, are measured to their end.
      const split = Array.from(result.latencies).filter((_ms, i) => i % 4 === 1);
      expect(Math.min(...split)).toBeGreaterThanOrEqual(4);
    });

    it('sends the warm-up on the same schedule and leaves it out of every figure', async () => {
      // The first 200 requests the server sees (the warm-up's) are answered after 20 ms, the rest at once.
      let seen = 0;
      const slowFirst = createServer((_req, res) => {
        const late = ++seen <= 200;
        setTimeout(() => res.writeHead(late ? 503 : 200, { 'content-length': '2' }).end('ok'), late ? 20 : 0);
      });
      await new Promise<void>((resolve) => slowFirst.listen(0, '127.0.0.1', resolve));
      try {
        const result = await openLoopApart({
          url: `http://127.0.0.1:${(slowFirst.address() as AddressInfo).port}`,
          requests: [{ method: 'GET' as const, path: '/', headers: {} }],
          rate: 400,
          seconds: 1,
          warmupSeconds: 0.5,
          connections: 16,
          graceMs: 2000,
        });
        expect(seen).toBe(600);
        expect(result.measuredFrom).toBe(200);
        expect(result.latencies.length).toBe(600);
        // Only the measured part is counted: its 400 answers, none of the warm-up's 503s.
        expect(result.responses).toBe(400);
        expect(result.statusCodes).toEqual({ 200: 400 });
        expect(result.ok).toBe(400);
        expect(result.errors).toBe(0);
        const warmup = Array.from(result.latencies.subarray(0, 200));
        expect(warmup.every((ms) => ms >= 19)).toBe(true);
        expect(result.p50).toBeLessThan(19);
        expect(result.seconds).toBeGreaterThan(0.9);
        expect(result.seconds).toBeLessThan(1.5);
      } finally {
        await new Promise<void>((resolve) => slowFirst.close(() => resolve()));
      }
    });

    it('reports a request whose connection closed as an error, not an answer', async () => {
      const requests = [{ method: 'GET' as const, path: '/0', headers: {} }];
      const closing = createServer((req) => req.socket.destroy());
      await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
      try {
        const result = await openLoopApart({
          url: `http://127.0.0.1:${(closing.address() as AddressInfo).port}`,
          requests,
          rate: 50,
          seconds: 0.2,
          connections: 2,
          graceMs: 1000,
        });
        expect(result.responses).toBe(0);
        expect(result.errors).toBe(10);
      } finally {
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
    });
  });
});
