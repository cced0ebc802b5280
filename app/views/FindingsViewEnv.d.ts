/* Vite client types (CSS side-effect imports of the views, import.meta.env). */
/// <reference types="vite/client" />
