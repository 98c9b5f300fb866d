// person-api through the console: the queries and mutations of the People pages.

import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { call, personApi } from "../api/client";
import type { components } from "../api/person-api";
import type { PeopleQuery } from "../lib/pagination";

export type Person = components["schemas"]["PersonResponse"];
export type CreatePersonBody = components["schemas"]["CreatePersonRequest"];
export type UpdatePersonBody = components["schemas"]["UpdatePersonRequest"];
export type PageMeta = components["schemas"]["PageMeta"];

export const peopleKeys = {
  all: ["persons"] as const,
  lists: () => [...peopleKeys.all, "list"] as const,
  list: (query: PeopleQuery) => [...peopleKeys.lists(), query] as const,
  person: (id: string) => [...peopleKeys.all, "person", id] as const,
};

export interface PersonPage {
  persons: Person[];
  meta: PageMeta;
}

/** A page of the directory: the search route when there is a search, else the filtered list. */
export async function fetchPeople(query: PeopleQuery, signal?: AbortSignal): Promise<PersonPage> {
  const envelope =
    query.q !== undefined
      ? await call(
          personApi.GET("/api/v1/persons/search", {
            params: { query: { q: query.q, page: query.page, page_size: query.pageSize } },
            signal,
          }),
        )
      : await call(
          personApi.GET("/api/v1/persons", {
            params: {
              query: {
                page: query.page,
                page_size: query.pageSize,
                status: query.status,
                person_type: query.personType,
                department: query.department,
                organization: query.organization,
                has_faces: query.hasFaces,
              },
            },
            signal,
          }),
        );
  return { persons: envelope.data, meta: envelope.meta };
}

export function peopleQuery(query: PeopleQuery) {
  return queryOptions({
    queryKey: peopleKeys.list(query),
    queryFn: ({ signal }) => fetchPeople(query, signal),
    placeholderData: keepPreviousData,
  });
}

export function personQuery(id: string) {
  return queryOptions({
    queryKey: peopleKeys.person(id),
    queryFn: async ({ signal }) => {
      const envelope = await call(
        personApi.GET("/api/v1/persons/{person_id}", { params: { path: { person_id: id } }, signal }),
      );
      return envelope.data;
    },
  });
}

export async function createPerson(body: CreatePersonBody): Promise<Person> {
  const envelope = await call(personApi.POST("/api/v1/persons", { body }));
  return envelope.data;
}

export async function updatePerson(id: string, body: UpdatePersonBody): Promise<Person> {
  const envelope = await call(
    personApi.PUT("/api/v1/persons/{person_id}", { params: { path: { person_id: id } }, body }),
  );
  return envelope.data;
}

export async function deletePerson(id: string): Promise<void> {
  await call(personApi.DELETE("/api/v1/persons/{person_id}", { params: { path: { person_id: id } } }));
}

export function fullName(person: Pick<Person, "first_name" | "last_name">): string {
  return `${person.first_name} ${person.last_name}`;
}

export const STATUS_LABELS: Record<string, string> = {
  active: "Active",
  inactive: "Inactive",
  archived: "Archived",
};
export const TYPE_LABELS: Record<string, string> = {
  employee: "Employee",
  visitor: "Visitor",
  contractor: "Contractor",
};

export function formatDate(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
