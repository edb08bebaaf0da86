import { Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@labgate/core';
import { Public } from '../auth/auth.decorators';
import { GuardedController } from '../auth/guarded-controller';

/** The page and its assets, shipped next to the build (`npm run build` copies apps/api/public). */
const PUBLIC_DIR = path.join(__dirname, '..', '..', 'public', 'reports');
const ASSETS: Record<string, string> = { 'dashboard.js': 'text/javascript; charset=utf-8', 'dashboard.css': 'text/css; charset=utf-8' };
const files = new Map<string, string>();

function file(name: string): string {
  let text = files.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(PUBLIC_DIR, name), 'utf8');
    files.set(name, text);
  }
  return text;
}

/** Scripts from this origin only; no CDN, no inline script, nothing framed. */
const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The funders' dashboard at `/reports`: a static page whose script asks for a token (kept in
 * sessionStorage), then calls the report API with it; nothing here needs a token itself.
 */
@ApiExcludeController()
@Public()
@GuardedController('reports')
export class DashboardController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-cache')
  page(): string {
    return file('index.html');
  }

  @Get('assets/:name')
  @Header('cache-control', 'no-cache')
  @Header('x-content-type-options', 'nosniff')
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new AppError('RESOURCE.NOT_FOUND', `No dashboard asset ${name}`);
    void reply.header('content-type', type);
    return file(name);
  }
}
