import { MessagePage } from "~/ui/MessagePage";

export default function WrongNumberDone() {
  return <MessagePage title="done.wrongNumberTitle" paragraphs={["done.wrongNumberBody"]} />;
}
