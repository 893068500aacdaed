"""The console's own preferences (the theme), remembered between runs.

Kept in the store folder, or for a database store in the user's config folder (``settings_folder``).
A new choice is written through the app's write path, on the store thread.
"""

from __future__ import annotations

from pathlib import Path

from storage.store import load_settings, save_settings


def remember_theme(folder: Path, name: str) -> None:
    """Keep ``name`` as the theme in the settings of ``folder`` (the other settings as they were)."""
    settings = load_settings(folder)
    settings["theme"] = name
    save_settings(folder, settings)


class ThemeMemory:
    """Mixed into the App: the theme chosen last time comes back, and a new choice is kept.

    The App provides ``settings_folder``, ``store``, ``access`` and ``_settings_ok``.
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
        self.run_worker(self._keep_theme(theme.name), group="theme")

    async def _keep_theme(self, name: str) -> None:
        try:
            await self.access.call_outside(remember_theme, self.settings_folder, name)
        except (ValueError, OSError) as exc:
            self.notify(f"Theme not saved: {exc}", severity="warning", markup=False)
