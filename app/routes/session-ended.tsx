import { MessagePage } from "~/ui/MessagePage";

export default function SessionEnded() {
  return <MessagePage title="sessionEnded.title" paragraphs={["sessionEnded.body"]} />;
}
