import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import { ArgumentReader, invalidArguments, JmapMethodError, parseFilter } from '@jchat/jmap';
import { ConversationAccessService } from '../access/conversation-access.service';
import { bodyText, escapeHtml } from '../messages/html-sanitizer';
import { compileFilter, FILTER_PROPERTIES, searchText } from '../messages/message-filter';
import { MessageSearchRepository } from '../messages/message-search.repository';
import { MessagesService } from '../messages/messages.service';

const MAX_SNIPPETS = 100;
// Private-use characters mark the matches inside ts_headline's output, which is then escaped and
// the marks turned into <mark> tags. A body cannot forge them: `headlines` replaces any in the
// text before highlighting.
const MARKS = { start: '\uE000', stop: '\uE001' };

/**
 * `SearchSnippet/get` (as in RFC 8621 §5): for messages found by a `Message/query` with a `text`
 * filter, the parts of their bodies that matched, as HTML-escaped text with `<mark>` around the
 * matched words. `subject` is always null (messages have none).
 */
@Injectable()
export class SearchSnippetsJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly access: ConversationAccessService,
    private readonly messages: MessagesService,
    private readonly repository: MessageSearchRepository,
  ) {}

  onModuleInit(): void {
    this.registry.register('SearchSnippet/get', (args, ctx) => this.get(args, ctx));
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const reader = new ArgumentReader(args, ['accountId', 'filter', 'messageIds']);
    const accountId = reader.id('accountId');
    const filter = compileFilter(
      parseFilter(reader.raw('filter'), { knownFilterProperties: FILTER_PROPERTIES }),
    );
    const ids = reader.idListOrNull('messageIds');
    if (ids === null) throw invalidArguments('"messageIds" is required');
    if (ids.length > MAX_SNIPPETS) {
      throw new JmapMethodError('requestTooLarge', `at most ${MAX_SNIPPETS} messageIds at once`);
    }
    const scope = this.access.scope(ctx.userId, ctx.requestId);
    const found = await this.messages.readableMessages(scope, ids);
    const text = searchText(filter);
    const headlines =
      text === null
        ? new Map<string, string>()
        : await this.repository.headlines(
            found
              .filter((m) => !m.isDeleted)
              .map((m) => ({ id: m.id, text: bodyText(m.body, m.bodyType) })),
            text,
            MARKS,
          );
    const byId = new Set(found.map((m) => m.id));
    return {
      response: {
        accountId,
        list: ids
          .filter((id) => byId.has(id))
          .map((id) => ({ messageId: id, subject: null, preview: highlight(headlines.get(id)) })),
        notFound: ids.filter((id) => !byId.has(id)),
      },
    };
  }
}

function highlight(headline: string | undefined): string | null {
  if (headline === undefined || !headline.includes(MARKS.start)) return null;
  return escapeHtml(headline).replaceAll(MARKS.start, '<mark>').replaceAll(MARKS.stop, '</mark>');
}
