// An attachment: images shown (fetched with our token, as object URLs), every file downloadable.
import { useEffect, useState } from 'react';
import { blobObjectUrl, downloadUrl } from '../api/blobs';
import { useChat } from '../state/chat-context';
import type { Attachment } from '../state/types';

function formatSize(size: number | undefined): string {
  if (size === undefined) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

export function AttachmentView({ attachment }: { attachment: Attachment }) {
  const { engine, tokens } = useChat();
  const url = downloadUrl(
    engine.client.session.downloadUrl,
    engine.accountId,
    attachment.blobId,
    attachment.name,
    attachment.type,
  );
  const isImage = /^image\/(png|jpeg|gif|webp)$/.test(attachment.type);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState(false);

  useEffect(() => {
    if (!isImage) return;
    let live = true;
    blobObjectUrl(url, () => tokens.accessToken()).then(
      (objectUrl) => live && setSrc(objectUrl),
      () => live && setError(true),
    );
    return () => {
      live = false;
    };
  }, [isImage, url, tokens]);

  const download = async () => {
    const objectUrl = await blobObjectUrl(url, () => tokens.accessToken());
    const link = document.createElement('a');
    link.href = objectUrl;
    link.download = attachment.name;
    link.click();
  };

  return (
    <figure className="attachment" data-testid="attachment">
      {isImage && src && <img src={src} alt={attachment.name} className="attachment-image" />}
      {isImage && !src && !error && <div className="attachment-placeholder" aria-busy="true" />}
      <figcaption>
        <span>📎 {attachment.name}</span>{' '}
        <span className="muted">{formatSize(attachment.size)}</span>{' '}
        <button
          className="link"
          onClick={() => void download()}
          aria-label={`Download ${attachment.name}`}
        >
          Download
        </button>
      </figcaption>
    </figure>
  );
}
