import { detectLocale } from "../i18n/locale.server";
import { staffConfig } from "./config.server";

/** The reader's language and the console's time zone, for formatting on the server. */
export async function displayContext(request: Request): Promise<{ locale: string; timeZone: string }> {
  return { locale: await detectLocale(request), timeZone: staffConfig().STAFF_TIME_ZONE };
}
