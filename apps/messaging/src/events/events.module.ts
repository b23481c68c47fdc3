import { Module } from '@nestjs/common';
import { StateEvents } from './state-events';

@Module({ providers: [StateEvents], exports: [StateEvents] })
export class EventsModule {}
