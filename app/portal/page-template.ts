/**
 * What a page that the server fills from templates (app/server/page-templates.server.ts) declares beside its
 * component: which fields of its loader's data, and which route parameters, vary within one shape. Everything
 * else in the root's and the route's data is the shape: a template is rendered once per distinct value of it.
 */
export interface TemplateSlots<Data> {
  /** Text fields of the route's data, filled per request (a null field is part of the shape instead). */
  slots: ReadonlyArray<keyof Data & string>;
  /** Route parameters filled per request (they appear in the page's form actions and links). */
  params?: readonly string[];
}
