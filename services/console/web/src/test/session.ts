export const SESSION = {
  operator: {
    id: "00000000-0000-4000-8000-000000000001",
    email: "hr@example.com",
    display_name: "Hana Reyes",
    role: "hr" as const,
    disabled: false,
    created_at: "2026-01-01T00:00:00Z",
    last_sign_in_at: null,
  },
  expires_at: "2026-01-01T12:00:00Z",
  idle_timeout_seconds: 1800,
  permissions: ["persons:read", "persons:write", "attendance:read"],
};

export const VIEWER = {
  ...SESSION,
  operator: { ...SESSION.operator, role: "viewer" as const, display_name: "Vic Viewer" },
  permissions: ["persons:read", "attendance:read"],
};
