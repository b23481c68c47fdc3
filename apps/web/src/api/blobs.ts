// Uploads (with progress: XMLHttpRequest, as fetch has no upload progress) and downloads
// (fetched with the Bearer token, handed to the page as object URLs).

export interface UploadedBlob {
  blobId: string;
  type: string;
  size: number;
}

export function uploadBlob(
  uploadUrl: string,
  token: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<UploadedBlob> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', uploadUrl);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201) resolve(JSON.parse(xhr.responseText) as UploadedBlob);
      else reject(new Error(`upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error('upload failed: network error'));
    xhr.send(file);
  });
}

/** The session's downloadUrl template filled in (RFC 8620 §6.2). */
export function downloadUrl(
  template: string,
  accountId: string,
  blobId: string,
  name: string,
  type: string,
): string {
  return template
    .replace('{accountId}', encodeURIComponent(accountId))
    .replace('{blobId}', encodeURIComponent(blobId))
    .replace('{name}', encodeURIComponent(name))
    .replace('{type}', encodeURIComponent(type));
}

const objectUrls = new Map<string, Promise<string>>();

/** An object URL of the blob (fetched once per URL and kept for the page's life). */
export function blobObjectUrl(url: string, token: () => Promise<string>): Promise<string> {
  let cached = objectUrls.get(url);
  if (!cached) {
    cached = (async () => {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${await token()}` } });
      if (!response.ok) throw new Error(`download failed (${response.status})`);
      return URL.createObjectURL(await response.blob());
    })();
    cached.catch(() => objectUrls.delete(url));
    objectUrls.set(url, cached);
  }
  return cached;
}
