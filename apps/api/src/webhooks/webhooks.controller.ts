import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { Principal, WEBHOOK_EVENTS, WebhooksService } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { PageOf, PageQueryDto, ParseIdPipe } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';
import { Located } from '../http/location';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

export class CreateWebhookRequestDto {
  @ApiProperty({ example: 'https://hooks.frontex.europa.eu/labgate', description: 'https on a public address (private or plain http only for hosts in WEBHOOK_ALLOW_HOSTS)' })
  @IsString()
  @Length(1, 2000)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['gate.decided'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events!: string[];

  @ApiPropertyOptional({ description: 'The agency whose pilots it follows; default the admin’s own', example: 'FRONTEX' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/)
  agency?: string;
}

class DeliveryCountsDto {
  @ApiProperty() pending!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() failed!: number;
}

export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() agency!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: DeliveryCountsDto }) deliveries!: DeliveryCountsDto;
}

export class CreatedWebhookResponseDto extends WebhookResponseDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The Standard Webhooks signing secret, shown this once' }) secret!: string;
}

export class RotatedSecretResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The new signing secret, shown this once' }) secret!: string;
  @ApiProperty({ format: 'date-time', description: 'Until then deliveries carry a signature with the previous secret too' }) previousSecretExpiresAt!: string;
}

export class RedeliveryResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
}

export class WebhookPageResponseDto extends PageOf(WebhookResponseDto) {}

export class DeliveryResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) webhookId!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() event!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: 'pending' | 'delivered' | 'failed';
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
}

export class DeliveryPageResponseDto extends PageOf(DeliveryResponseDto) {}

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@GuardedController('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Idempotent({ secrets: ['secret'] })
  @Located((created: CreatedWebhookResponseDto) => `/v1/webhooks/${created.id}`)
  @ApiCreatedResponse({ type: CreatedWebhookResponseDto, description: 'The subscription and its signing secret (shown once; a replay answers without it)' })
  create(@Caller() caller: Principal, @Body() body: CreateWebhookRequestDto, @Work() work: WorkContext): Promise<CreatedWebhookResponseDto> {
    return this.webhooks.create(caller, body, work);
  }

  @Post(':id/secret-rotation')
  @Idempotent({ secrets: ['secret'] })
  @Located((rotated: RotatedSecretResponseDto) => `/v1/webhooks/${rotated.id}`)
  @ApiCreatedResponse({ type: RotatedSecretResponseDto, description: 'The new signing secret (shown once; a replay answers without it, and rotates nothing again)' })
  rotate(@Param('id', ParseIdPipe) id: string, @Work() work: WorkContext): Promise<RotatedSecretResponseDto> {
    return this.webhooks.rotateSecret(id, work);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookResponseDto })
  get(@Param('id', ParseIdPipe) id: string): Promise<WebhookResponseDto> {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'No further deliveries; the history stays' })
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post('deliveries/:id/redelivery')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RedeliveryResponseDto, description: 'A failed delivery queued for another round of attempts' })
  redeliver(@Param('id', ParseIdPipe) id: string, @Work() work: WorkContext): Promise<RedeliveryResponseDto> {
    return this.webhooks.redeliver(id, work);
  }

  @Get()
  @ApiOkResponse({ type: WebhookPageResponseDto })
  list(@Query() query: PageQueryDto): Promise<WebhookPageResponseDto> {
    return this.webhooks.list(query.limit, query.cursor);
  }

  @Get('deliveries')
  @ApiOkResponse({ type: DeliveryPageResponseDto, description: 'Deliveries, e.g. ?status=failed for the dead letters' })
  deliveries(@Query() query: DeliveryQueryDto): Promise<DeliveryPageResponseDto> {
    return this.webhooks.deliveries(query.status, query.limit, query.cursor);
  }
}
