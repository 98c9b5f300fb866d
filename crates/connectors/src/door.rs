//! Door actions with a deadline; Shelly and Hikvision templates (being built).
