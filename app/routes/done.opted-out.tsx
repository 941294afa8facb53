import { MessagePage } from "~/ui/MessagePage";

export default function OptedOutDone() {
  return <MessagePage title="done.optedOutTitle" paragraphs={["done.optedOutBody", "done.optedOutStill"]} />;
}
