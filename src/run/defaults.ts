/** The defaults of a check (CONTRACT.md), declared with the settings in src/protocol/settings.ts. */
export { settingDefaults as checkDefaults } from '../protocol/settings';
