import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import { Principal, WEBHOOK_EVENTS, WebhooksService } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { PageOf, PageQueryDto } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';

export class CreateWebhookRequestDto {
  @ApiProperty({ example: 'https://hooks.frontex.europa.eu/labgate' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @Length(1, 2000)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['gate.decided'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events!: string[];

  @ApiProperty({ description: 'Shared secret for the X-LabGate-Signature HMAC-SHA256 (not shown again)' })
  @IsString()
  @Length(8, 256)
  secret!: string;

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
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Idempotent({ secrets: ['secret'] })
  @ApiCreatedResponse({ type: WebhookResponseDto })
  create(@Caller() caller: Principal, @Body() body: CreateWebhookRequestDto): Promise<WebhookResponseDto> {
    return this.webhooks.create(caller, body);
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
