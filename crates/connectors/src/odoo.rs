//! Odoo `hr.attendance` over JSON-RPC or JSON-2 (being built).
