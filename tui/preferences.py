"""The console's own preferences (the theme), remembered between runs.

Kept in the store folder, or for a database store in the user's config folder (``settings_folder``).
"""

from __future__ import annotations

from storage.store.settings import load_settings, save_settings


class ThemeMemory:
    """Mixed into the App: the theme chosen last time comes back, and a new choice is kept.

    The App provides ``settings_folder``, ``store`` and ``_settings_ok``.
    """

    def _restore_theme(self) -> None:
        try:
            theme = load_settings(self.settings_folder).get("theme")
        except ValueError as exc:
            self._settings_ok = False
            self.notify(f"{exc}; the theme will not be saved", severity="warning", markup=False)
            theme = None
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme) -> None:
        if not self._settings_ok or self.store is None or self.store.read_only:
            return
        try:
            settings = load_settings(self.settings_folder)
            settings["theme"] = theme.name
            save_settings(self.settings_folder, settings)
        except (ValueError, OSError) as exc:
            self.notify(f"Theme not saved: {exc}", severity="warning", markup=False)
