//! Frappe HRMS Employee Checkin (being built).
