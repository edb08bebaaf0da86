import { Get, Header, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { type Principal, TransparencyService } from '@labgate/core';
import { Caller } from '../auth/auth.decorators';
import { ParseIdPipe } from '../http/common.dto';
import { GuardedController } from '../auth/guarded-controller';

const MAX_SIZE = Number.MAX_SAFE_INTEGER;

/** What each route here answers: C2SP notes and proofs are text. */
const PLAIN_TEXT = { 'text/plain': { schema: { type: 'string' } } };

export class CheckpointQueryDto {
  @ApiPropertyOptional({ description: 'The checkpoint of exactly this many leaves (default: the latest)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  size?: number;
}

export class ConsistencyQueryDto {
  @ApiPropertyOptional({ description: 'Size of the earlier checkpoint' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  from!: number;

  @ApiPropertyOptional({ description: 'Size of the later checkpoint' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  to!: number;
}

const TEXT = 'text/plain; charset=utf-8';

/** The transparency log (DESIGN §4b): the verifier key, signed checkpoints, consistency proofs. */
@ApiTags('transparency')
@ApiBearerAuth()
@GuardedController('v1/transparency')
export class TransparencyController {
  constructor(private readonly transparency: TransparencyService) {}

  @Get('key')
  @Header('content-type', TEXT)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The verifier key in C2SP signed-note vkey form: <origin>+<key id>+<base64(0x01 ‖ Ed25519 public key)>', content: PLAIN_TEXT })
  async key(): Promise<string> {
    return `${await this.transparency.verifierKey()}\n`;
  }

  @Get('checkpoint')
  @Header('content-type', TEXT)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'A signed checkpoint (C2SP tlog-checkpoint in a signed note): origin, size, base64 root', content: PLAIN_TEXT })
  @ApiNotFoundResponse({ description: 'No checkpoint of that size was signed' })
  checkpoint(@Query() query: CheckpointQueryDto): Promise<string> {
    return this.transparency.checkpointNote(query.size);
  }

  @Get('consistency')
  @Header('content-type', TEXT)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'RFC 9162 consistency proof between the checkpoints of sizes from and to: one base64 hash a line', content: PLAIN_TEXT })
  @ApiNotFoundResponse({ description: 'No checkpoint of one of those sizes was signed' })
  consistency(@Query() query: ConsistencyQueryDto): Promise<string> {
    return this.transparency.consistency(query.from, query.to);
  }
}

/** Proof files (C2SP tlog-proof@v1 form) of events a reader may see. */
@ApiTags('transparency')
@ApiBearerAuth()
@GuardedController('v1')
export class ProofsController {
  constructor(private readonly transparency: TransparencyService) {}

  @Get('gate-reviews/:id/proof')
  @Header('content-type', TEXT)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The inclusion proof of the review’s decision event, with a signed checkpoint', content: PLAIN_TEXT })
  @ApiConflictResponse({ description: 'The review is not decided yet' })
  decision(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<string> {
    return this.transparency.decisionProof(caller, id);
  }

  @Get('pilots/:id/audit/:seq/proof')
  @Header('content-type', TEXT)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The inclusion proof of one audit event, with a signed checkpoint', content: PLAIN_TEXT })
  event(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string, @Param('seq', ParseIntPipe) seq: number): Promise<string> {
    return this.transparency.eventProof(caller, id, seq);
  }
}
