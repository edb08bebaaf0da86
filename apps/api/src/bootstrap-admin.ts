import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { AuthService } from '@labgate/core';

/** BOOTSTRAP_ADMIN_TOKEN: the first admin, so that an operator can create everyone else. */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.auth.ensureBootstrapAdmin(this.config.bootstrapAdminToken);
  }
}
