/** Core errors live in src/lib so that every layer (store, tasks, drivers) may throw them; core code imports them from here. */
export * from '../lib/errors.js';
