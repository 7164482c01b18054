<?php
require_once 'AipFace.php';

// 人脸检测 (fictional sample for the custodiet eval)
$client = new AipFace(APP_ID, API_KEY, SECRET_KEY);

$image = base64_encode(file_get_contents($_FILES['photo']['tmp_name']));
$imageType = "BASE64";

$options = array();
$options["face_field"] = "age,gender,race,glasses,expression";
$options["max_face_num"] = 5;
$options["face_type"] = "LIVE";

$result = $client->detect($image, $imageType, $options);

$rows = array();
foreach ($result['result']['face_list'] as $face) {
    $rows[] = array(
        'age'    => $face['age'],
        'gender' => $face['gender']['type'],
        'race'   => $face['race']['type'],
    );
}
echo json_encode($rows, JSON_UNESCAPED_UNICODE);
