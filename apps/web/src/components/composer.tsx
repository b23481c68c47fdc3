// Write and send: Enter sends (Shift+Enter for a new line), Markdown allowed, files attached
// with upload progress, replying to a message, and "typing" sent while writing.
import { type FormEvent, useRef, useState } from 'react';
import { uploadBlob } from '../api/blobs';
import { useChat } from '../state/chat-context';
import type { Attachment, Message } from '../state/types';

interface Upload {
  id: number;
  name: string;
  progress: number;
  attachment: Attachment | null;
  error: string | null;
}

let uploadCounter = 0;

export function Composer({
  conversationId,
  replyTo,
  onReplyDone,
}: {
  conversationId: string;
  replyTo: Message | null;
  onReplyDone: () => void;
}) {
  const { messages, engine, tokens } = useChat();
  const [body, setBody] = useState('');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const uploading = uploads.some((u) => !u.attachment && !u.error);
  const attachments = uploads.flatMap((u) => (u.attachment ? [u.attachment] : []));

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    if (uploading || (!body.trim() && attachments.length === 0)) return;
    messages.send(conversationId, body, replyTo?.id ?? null, attachments);
    setBody('');
    setUploads([]);
    onReplyDone();
    textarea.current?.focus();
  };

  const attach = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const id = ++uploadCounter;
      setUploads((list) => [
        ...list,
        { id, name: file.name, progress: 0, attachment: null, error: null },
      ]);
      const update = (patch: Partial<Upload>) =>
        setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...patch } : u)));
      try {
        const url = engine.client.session.uploadUrl.replace(
          '{accountId}',
          encodeURIComponent(engine.accountId),
        );
        const blob = await uploadBlob(url, await tokens.accessToken(), file, (progress) =>
          update({ progress }),
        );
        update({
          progress: 1,
          attachment: { blobId: blob.blobId, type: blob.type, name: file.name, size: blob.size },
        });
      } catch (e) {
        update({ error: e instanceof Error ? e.message : 'upload failed' });
      }
    }
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <form className="composer" onSubmit={send} aria-label="Send a message">
      {replyTo && (
        <div className="replying">
          Replying to <strong>{engine.store.displayName(replyTo.senderId)}</strong>:{' '}
          {replyTo.body.slice(0, 80)}
          <button type="button" onClick={onReplyDone} aria-label="Cancel reply">
            ×
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Attachments">
          {uploads.map((u) => (
            <li key={u.id}>
              {u.name}{' '}
              {u.error ? (
                <span role="alert">{u.error}</span>
              ) : u.attachment ? (
                <span data-testid="upload-ready">ready</span>
              ) : (
                <progress
                  value={u.progress}
                  max={1}
                  aria-label={`Uploading ${u.name}`}
                  data-testid="upload-progress"
                />
              )}
              <button
                type="button"
                aria-label={`Remove ${u.name}`}
                onClick={() => setUploads((list) => list.filter((x) => x.id !== u.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <label className="button attach">
          <span aria-hidden="true">📎</span>
          <span className="visually-hidden">Attach files</span>
          <input
            ref={fileInput}
            type="file"
            multiple
            className="visually-hidden"
            onChange={(e) => void attach(e.target.files)}
          />
        </label>
        <label htmlFor="composer-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={textarea}
          rows={1}
          value={body}
          placeholder="Message (Markdown allowed)"
          autoFocus
          onChange={(e) => {
            setBody(e.target.value);
            if (e.target.value) messages.typing(conversationId);
            else messages.stopTyping();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e);
          }}
        />
        <button type="submit" className="primary" disabled={uploading}>
          Send
        </button>
      </div>
    </form>
  );
}
