import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { metricsText } from '@jchat/common';

/**
 * `GET /metrics` (Prometheus text) on the gateway's own port, without authentication: keep it
 * off the public side (the ingress or load balancer should not route /metrics), or scrape the
 * same metrics on OBSERVABILITY_PORT instead.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  async metrics(@Res() res: Response): Promise<void> {
    const { contentType, body } = await metricsText();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  }
}
