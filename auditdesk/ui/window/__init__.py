"""The parts of the main window that are not the window itself: its menus, the error
banner, the status bar, the tenant switcher, the demo-data offer and the window
settings (docs/architecture.md, "The desktop client")."""
