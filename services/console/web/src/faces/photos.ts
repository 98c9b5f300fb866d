// What the browser checks of a photo before sending it: the API takes JPEG, PNG or WebP of at
// most MAX_PHOTO_BYTES (person-api's MAX_IMAGE_BYTES default, 7 MiB decoded; the console
// forwards bodies up to 12 MB, which its base64 fits). A file refused here never leaves the
// browser, and says why; anything that passes may still be refused by the API, which says why.

export const MAX_PHOTO_BYTES = 7 * 1024 * 1024;
export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
/** For `<input type="file" accept>`. */
export const ACCEPT = ACCEPTED_TYPES.join(",");

const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export interface PhotoProblem {
  code: "not_an_image" | "unsupported_type" | "file_too_large" | "empty_file";
  reason: string;
}

/** "2.4 MB", "830 KB", "12 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
}

/** Why a file cannot be enrolled as it is, or undefined when it may be sent. */
export function checkPhoto(file: { name: string; type: string; size: number }, maxBytes: number = MAX_PHOTO_BYTES): PhotoProblem | undefined {
  const type = file.type.toLowerCase();
  // Some systems give no type at all: the name decides, and the API sniffs the bytes anyway.
  const accepted = type === "" ? ACCEPTED_EXTENSIONS.test(file.name) : (ACCEPTED_TYPES as readonly string[]).includes(type);
  if (!accepted) {
    if (type.startsWith("image/")) {
      const format = type.slice("image/".length).toUpperCase();
      return {
        code: "unsupported_type",
        reason: `${format} photos are not accepted: use a JPEG, PNG or WebP photo.`,
      };
    }
    return { code: "not_an_image", reason: "This is not a photo: choose a JPEG, PNG or WebP image." };
  }
  if (file.size === 0) return { code: "empty_file", reason: "The file is empty." };
  if (file.size > maxBytes) {
    return {
      code: "file_too_large",
      reason: `The photo is ${formatBytes(file.size)}; at most ${formatBytes(maxBytes)} can be sent. Use a smaller photo.`,
    };
  }
  return undefined;
}

/** The photo as a `data:<type>;base64,...` URL, which the enrol request's frame_data accepts. */
export function readAsDataUrl(photo: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      if (typeof reader.result === "string") resolve(reader.result);
      else reject(new Error("The photo could not be read."));
    };
    reader.onerror = () => reject(new Error("The photo could not be read from the disk."));
    reader.readAsDataURL(photo);
  });
}

/**
 * A URL to show a photo before it is sent (`blob:`, which the console's CSP allows for
 * img-src and media-src), or undefined where the browser has none (jsdom).
 */
export function previewUrl(photo: Blob): string | undefined {
  return typeof URL.createObjectURL === "function" ? URL.createObjectURL(photo) : undefined;
}

export function revokePreview(url: string | undefined): void {
  if (url !== undefined && typeof URL.revokeObjectURL === "function") URL.revokeObjectURL(url);
}
