import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { MessagesModule } from '../messages/messages.module';
import { SearchSnippetsJmap } from './search-snippets.jmap';

@Module({ imports: [AccessModule, MessagesModule], providers: [SearchSnippetsJmap] })
export class SearchModule {}
