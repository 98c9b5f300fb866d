// person-api through the console: a person's metadata (address, emergency contact,
// preferences, custom fields), a resource of its own beside the person record.

import { queryOptions } from "@tanstack/react-query";
import { call, personApi } from "../api/client";
import type { components } from "../api/person-api";
import { peopleKeys } from "../people/api";

export type JsonValue = components["schemas"]["JsonValueWithoutNul"];
export type JsonObject = { [key: string]: JsonValue };
export type UpdateMetadataBody = components["schemas"]["UpdateMetadataRequest"];

/**
 * The metadata as the app reads it. The document types `preferences` and `custom_fields`
 * as bare objects (`Record<string, never>` once generated); they hold any JSON values.
 */
export type Metadata = Omit<components["schemas"]["MetadataResponse"], "preferences" | "custom_fields"> & {
  preferences: JsonObject;
  custom_fields: JsonObject;
};

export const metadataKeys = {
  metadata: (personId: string) => [...peopleKeys.person(personId), "metadata"] as const,
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asMetadata(data: components["schemas"]["MetadataResponse"]): Metadata {
  const raw = data as unknown as Record<string, unknown>;
  return {
    ...data,
    preferences: isObject(raw.preferences) ? raw.preferences : {},
    custom_fields: isObject(raw.custom_fields) ? raw.custom_fields : {},
  };
}

export function metadataQuery(personId: string) {
  return queryOptions({
    queryKey: metadataKeys.metadata(personId),
    queryFn: async ({ signal }) => {
      const envelope = await call(
        personApi.GET("/api/v1/persons/{person_id}/metadata", { params: { path: { person_id: personId } }, signal }),
      );
      return asMetadata(envelope.data);
    },
  });
}

export async function updateMetadata(personId: string, body: UpdateMetadataBody): Promise<Metadata> {
  const envelope = await call(
    personApi.PUT("/api/v1/persons/{person_id}/metadata", { params: { path: { person_id: personId } }, body }),
  );
  return asMetadata(envelope.data);
}
